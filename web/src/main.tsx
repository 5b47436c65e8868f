import { render } from "preact";
import { App } from "./App";
import { adoptTokenFromLocation } from "./lib/auth";
import "./styles.css";

adoptTokenFromLocation(window.localStorage);
window.__activelabel ??= { paintTimes: [] };

const root = document.getElementById("app");
if (root) render(<App />, root);
