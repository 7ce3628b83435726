"use strict";
// The API's documentation, rendered from /openapi.json by the server's own page: no CDN, works offline.

const box = document.getElementById("api");

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function resolve(schema, spec) {
  if (schema && schema.$ref) return spec.components.schemas[schema.$ref.split("/").pop()];
  return schema || {};
}

function typeOf(schema, spec) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.anyOf) return schema.anyOf.map((s) => typeOf(s, spec)).join(" | ");
  if (schema.type === "array") return `${typeOf(schema.items, spec)}[]`;
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  return schema.type || "object";
}

function fields(schema, spec) {
  const resolved = resolve(schema, spec);
  const table = el("table");
  const head = table.createTHead().insertRow();
  ["field", "type", "description"].forEach((h) => head.append(el("th", h)));
  const body = table.createTBody();
  const required = new Set(resolved.required || []);
  for (const [name, prop] of Object.entries(resolved.properties || {})) {
    const row = body.insertRow();
    row.append(el("td", name + (required.has(name) ? "" : "?")), el("td", typeOf(prop, spec)),
      el("td", prop.description || resolve(prop, spec).description || ""));
  }
  return table;
}

function operation(path, method, op, spec) {
  const section = el("section", undefined, "operation");
  section.append(el("h2", `${method.toUpperCase()} ${path}`));
  if (op.summary) section.append(el("p", op.summary));
  if (op.description) section.append(el("p", op.description, "muted"));
  const content = (op.requestBody || {}).content || {};
  for (const [type, media] of Object.entries(content)) {
    section.append(el("h3", `Request body (${type})`));
    section.append(fields(media.schema, spec));
  }
  const responses = el("ul");
  for (const [status, response] of Object.entries(op.responses || {})) {
    const schema = ((response.content || {})["application/json"] || {}).schema;
    const item = el("li", `${status}: ${response.description || ""}`);
    if (status.startsWith("2") && schema && schema.$ref) item.textContent += ` (${typeOf(schema, spec)})`;
    responses.append(item);
  }
  section.append(el("h3", "Responses"), responses);
  return section;
}

fetch("/openapi.json").then((r) => r.json()).then((spec) => {
  document.getElementById("intro").prepend(el("p", spec.info.description || ""));
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) box.append(operation(path, method, op, spec));
  }
  const schemas = el("section", undefined, "operation");
  schemas.append(el("h2", "Schemas"));
  for (const [name, schema] of Object.entries(spec.components.schemas || {})) {
    schemas.append(el("h3", name), fields({ $ref: `#/components/schemas/${name}` }, spec));
  }
  box.append(schemas);
}).catch((err) => { box.textContent = `Could not read /openapi.json: ${err}`; });
