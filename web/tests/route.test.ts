import { describe, expect, it } from "vitest";
import { describeSource } from "../src/lib/format";
import { parseRoute, routeHref } from "../src/lib/route";
import { stripToken } from "../src/lib/auth";
import { peaks } from "../src/lib/waveform";

describe("routes, sources, tokens and waveforms", () => {
  it("reads the three hash routes and writes them back", () => {
    expect(parseRoute("")).toEqual({ page: "projects" });
    expect(parseRoute("#/")).toEqual({ page: "projects" });
    expect(parseRoute("#/p/sms")).toEqual({ page: "label", project: "sms" });
    expect(parseRoute("#/p/my%20pets/history")).toEqual({ page: "history", project: "my pets" });
    expect(routeHref({ page: "history", project: "my pets" })).toBe("#/p/my%20pets/history");
    expect(parseRoute("#/p/sms/rules")).toEqual({ page: "rules", project: "sms" });
    expect(routeHref({ page: "rules", project: "my pets" })).toBe("#/p/my%20pets/rules");
  });

  it("describes where an item came from", () => {
    expect(describeSource({ kind: "random", sessionId: null, strategy: null, score: null })).toBe("random");
    expect(describeSource({ kind: "cold_start", sessionId: 1, strategy: "typical", score: null })).toBe("cold start");
    expect(describeSource({ kind: "active_learning", sessionId: 4, strategy: "margin", score: 0.41 })).toBe(
      "active learning · session 4 · margin · score 0.41",
    );
  });

  it("takes the token out of the address and leaves the rest", () => {
    expect(stripToken("http://h/?token=abc&x=1#/p/sms")).toEqual({ token: "abc", href: "http://h/?x=1#/p/sms" });
    expect(stripToken("http://h/#/p/sms")).toBeNull();
  });

  it("keeps the loudest sample of each waveform bucket", () => {
    expect(peaks([0, 0.5, -0.9, 0.1], 2)).toEqual([0.5, 0.9]);
    expect(peaks([], 3)).toEqual([0, 0, 0]);
  });
});
