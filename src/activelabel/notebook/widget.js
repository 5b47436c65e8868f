// The labeling widget's front end (anywidget ESM, no build step).
// It draws the state the kernel syncs (item, labels, keys, suggestion,
// progress) and sends back what the person did; the kernel decides everything.
// Text from data is always set as text (textContent), never as HTML.

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// The key as the keymap writes it (activelabel/keymap.py: normalize_key).
function keyName(event) {
  if (event.key === " ") return "Space";
  return event.key.length === 1 ? event.key.toLowerCase() : event.key;
}

function sameValue(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function curveSvg(points) {
  const ns = "http://www.w3.org/2000/svg";
  const width = 160;
  const height = 36;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "al-curve");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "learning curve: CV score against labels");
  if (points.length === 0) return svg;
  const xs = points.map((p) => p[0]);
  const lo = Math.min(...xs);
  const span = Math.max(...xs) - lo || 1;
  const at = (p) => [
    4 + ((p[0] - lo) / span) * (width - 8),
    height - 4 - p[1] * (height - 8),
  ];
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.map((p) => at(p).join(",")).join(" "));
  svg.appendChild(line);
  for (const p of points) {
    const dot = document.createElementNS(ns, "circle");
    const [x, y] = at(p);
    dot.setAttribute("cx", String(x));
    dot.setAttribute("cy", String(y));
    dot.setAttribute("r", "2.5");
    svg.appendChild(dot);
  }
  return svg;
}

function render({ model, el: root }) {
  const box = el("div", "al-widget");
  box.tabIndex = 0;
  // Keys pressed here are the widget's: JupyterLab's shortcuts (Enter edits
  // the cell, Space scrolls) stay out of it.
  box.setAttribute("data-lm-suppress-shortcuts", "true");
  root.appendChild(box);
  let chosen = []; // multi-label: the labels toggled on the item shown

  const send = (action, value) => {
    const item = model.get("item");
    model.send({ action, item: item ? item.id : null, value });
  };

  const giveLabel = (label) => {
    if (model.get("editor") === "multilabel") {
      chosen = chosen.includes(label)
        ? chosen.filter((l) => l !== label)
        : [...chosen, label];
      draw();
    } else {
      send("label", label);
    }
  };

  const accept = () => {
    if (model.get("editor") === "multilabel" && chosen.length > 0) {
      const order = model.get("labels");
      send("label", order.filter((l) => chosen.includes(l)));
    } else {
      send("accept");
    }
  };

  const draw = () => {
    box.replaceChildren();
    const item = model.get("item");
    const suggestion = model.get("suggestion");
    const keys = model.get("label_keys");
    const actionKeys = model.get("action_keys");
    const progress = model.get("progress") || {};

    const head = el("div", "al-head");
    head.appendChild(el("strong", null, model.get("project_name")));
    head.appendChild(
      el("span", "al-who", ` · labeling as ${model.get("annotator")}`),
    );
    box.appendChild(head);

    const view = el("div", "al-item");
    if (!item) {
      view.appendChild(el("p", "al-empty", "Nothing to label right now."));
    } else {
      view.dataset.externalId = item.external_id;
      if (item.kind === "text" && item.text !== null) {
        view.appendChild(el("div", "al-text", item.text));
      }
      if (item.kind === "image" && item.media) {
        const img = el("img", "al-image");
        img.src = item.media;
        img.alt = item.external_id;
        view.appendChild(img);
      }
      if (item.kind === "audio" && item.media) {
        const audio = el("audio", "al-audio");
        audio.controls = true;
        audio.src = item.media;
        view.appendChild(audio);
      }
      if (item.media_error) view.appendChild(el("p", "al-error", item.media_error));
      if (item.fields.length > 0 && item.kind !== "text") {
        const table = el("table", "al-fields");
        for (const [name, value] of item.fields) {
          const row = el("tr");
          row.appendChild(el("th", null, name));
          row.appendChild(el("td", null, value));
          table.appendChild(row);
        }
        view.appendChild(table);
      }
      view.appendChild(el("div", "al-id", item.external_id));
    }
    box.appendChild(view);

    const suggested = suggestion ? suggestion.value : null;
    const buttons = el("div", "al-labels");
    for (const label of model.get("labels")) {
      const button = el("button", "al-label");
      button.type = "button";
      button.dataset.label = label;
      if (keys[label]) button.appendChild(el("kbd", null, keys[label]));
      button.appendChild(el("span", null, label));
      const inSuggestion = Array.isArray(suggested)
        ? suggested.includes(label)
        : suggested === label;
      if (inSuggestion) button.classList.add("al-suggested");
      if (chosen.includes(label)) button.classList.add("al-chosen");
      button.disabled = !item;
      button.addEventListener("click", () => giveLabel(label));
      buttons.appendChild(button);
    }
    box.appendChild(buttons);

    const line = el("div", "al-suggestion");
    if (suggestion) {
      const value = Array.isArray(suggested) ? suggested.join(", ") : suggested;
      const confidence =
        suggestion.confidence === null
          ? ""
          : ` (${Math.round(suggestion.confidence * 100)} %)`;
      const source =
        suggestion.source === "rules"
          ? "the labeling functions"
          : `model ${suggestion.model || ""}`.trim();
      line.textContent = `Suggestion: ${value}${confidence} from ${source} · Enter accepts`;
    } else {
      line.textContent = "No suggestion yet: a model suggests after its first round.";
    }
    box.appendChild(line);

    const status = el("div", "al-progress");
    const figures = [`${progress.labeled_items ?? 0} of ${progress.items ?? 0} labeled`];
    figures.push(`${progress.mine ?? 0} by you`);
    if (progress.cv_score !== null && progress.cv_score !== undefined) {
      figures.push(`model CV ${progress.cv_score.toFixed(3)}`);
    }
    if (progress.training) figures.push("training…");
    else if (progress.labels_until_round !== null && progress.labels_until_round !== undefined) {
      figures.push(`next round in ${progress.labels_until_round} labels`);
    }
    status.appendChild(el("span", null, figures.join(" · ")));
    status.appendChild(curveSvg(progress.curve || []));
    box.appendChild(status);

    if (progress.round_error) box.appendChild(el("div", "al-error", progress.round_error));
    const last = model.get("last_label");
    const message = model.get("message");
    const note = message || (last ? `Labeled ${last.external_id}: ${[].concat(last.value).join(", ")}` : "");
    box.appendChild(el("div", "al-message", note));

    const help = Object.entries(actionKeys)
      .map(([action, list]) => `${list[0] === "Space" ? "Space" : list[0]} ${action}`)
      .join(" · ");
    box.appendChild(el("div", "al-help", help));
  };

  box.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = keyName(event);
    const actionKeys = model.get("action_keys");
    const action = Object.keys(actionKeys).find((a) => actionKeys[a].includes(key));
    const label = Object.keys(model.get("label_keys")).find(
      (l) => model.get("label_keys")[l] === key,
    );
    if (!action && !label) return;
    event.preventDefault();
    event.stopPropagation();
    if (label) giveLabel(label);
    else if (action === "accept") accept();
    else if (action === "play") {
      const audio = box.querySelector("audio");
      if (audio) audio.paused ? audio.play() : audio.pause();
    } else send(action);
  });

  const changed = () => {
    draw();
  };
  let shownId = model.get("item") ? model.get("item").id : null;
  const itemChanged = () => {
    const item = model.get("item");
    const id = item ? item.id : null;
    if (!sameValue(id, shownId)) chosen = [];
    shownId = id;
    draw();
  };
  model.on("change:item", itemChanged);
  for (const name of ["suggestion", "progress", "message", "last_label", "label_keys", "labels"]) {
    model.on(`change:${name}`, changed);
  }
  draw();
  box.focus();
  return () => {
    model.off("change:item", itemChanged);
    for (const name of ["suggestion", "progress", "message", "last_label", "label_keys", "labels"]) {
      model.off(`change:${name}`, changed);
    }
  };
}

export default { render };
