// DuckDB (the @duckdb/node-api npm package, tests/npm) as an independent reader and
// writer for the datasets tests. Usage: node duckdb_query.mjs SQL [SQL...]
// Runs each statement in one in-memory database and prints the rows of the last one as
// one JSON array (BIGINTs as numbers, lists as arrays, structs as objects).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../npm/package.json"));
const { DuckDBInstance } = require("@duckdb/node-api");

const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
// DuckDB's JS values: BIGINT as bigint, LIST as {items}, STRUCT as {entries}, DECIMAL
// with toDouble().
const plain = (v) => {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v !== "object") return v;
  if (Array.isArray(v.items)) return v.items.map(plain);
  if (v.entries && typeof v.entries === "object") return Object.fromEntries(Object.entries(v.entries).map(([k, x]) => [k, plain(x)]));
  if (typeof v.toDouble === "function") return v.toDouble();
  return String(v);
};
let rows = [];
for (const sql of process.argv.slice(2)) {
  const reader = await connection.runAndReadAll(sql);
  rows = reader.getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, x]) => [k, plain(x)])));
}
console.log(JSON.stringify(rows));
