// Independent reader for the Arrow IPC files cuddle writes: the apache-arrow npm package
// (tests/npm). Usage: node read_arrow.mjs FILE
// Prints one JSON line: row count, field names and types as apache-arrow sees them, the
// schema metadata, and every row (int64 as numbers, lists as arrays, structs as objects).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../npm/package.json"));
const arrow = require("apache-arrow");

const plain = (v) => {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "object" && typeof v.toArray === "function" && typeof v.length === "number")
    return Array.from({ length: v.length }, (_, i) => plain(v.get(i)));
  if (typeof v === "object" && typeof v.toJSON === "function") {
    const o = v.toJSON();
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x)]));
  }
  return v;
};

const table = arrow.tableFromIPC(readFileSync(process.argv[2]));
const rows = [];
for (let i = 0; i < table.numRows; ++i) rows.push(plain(table.get(i)));
console.log(JSON.stringify({
  num_rows: table.numRows,
  fields: table.schema.fields.map((f) => ({ name: f.name, type: String(f.type) })),
  metadata: Object.fromEntries(table.schema.metadata),
  rows,
}));
