// Interop driver: the official @huggingface/hub client against `cuddle hub serve`.
// Usage: node js_client.mjs HUB_URL TOKEN REPO OUT_DIR
// Creates REPO, uploads small.txt and a 12 MB big.bin in one commit (useXet: false), lists
// the repo and downloads both files; prints one JSON line with what it saw and writes the
// downloaded bytes to OUT_DIR for the C++ test to compare.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../npm/package.json"));
const hub = require("@huggingface/hub");

const [hubUrl, accessToken, repoName, outDir] = process.argv.slice(2);
const repo = { type: "model", name: repoName };
const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

const small = Buffer.from("hello from @huggingface/hub\n");
const big = Buffer.alloc(12 * 1024 * 1024);
for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;

const created = await hub.createRepo({ repo, accessToken, hubUrl });
const commit = await hub.uploadFiles({
  repo,
  accessToken,
  hubUrl,
  useXet: false,
  commitTitle: "Upload from @huggingface/hub",
  files: [
    { path: "small.txt", content: new Blob([small]) },
    { path: "data/big.bin", content: new Blob([big]) },
  ],
});
const listed = [];
for await (const entry of hub.listFiles({ repo, accessToken, hubUrl, recursive: true })) {
  listed.push({ type: entry.type, path: entry.path, size: entry.size, lfs: entry.lfs ?? null });
}
const downloads = {};
for (const file of ["small.txt", "data/big.bin"]) {
  const blob = await hub.downloadFile({ repo, path: file, accessToken, hubUrl, xet: false });
  const bytes = Buffer.from(await blob.arrayBuffer());
  writeFileSync(path.join(outDir, file.replace("/", "_")), bytes);
  downloads[file] = { size: bytes.length, sha256: sha256(bytes) };
}
const info = await hub.modelInfo({ name: repoName, accessToken, hubUrl, additionalFields: ["sha"] }).catch((e) => ({
  error: String(e),
}));
const exists = await hub.fileExists({ repo, path: "small.txt", accessToken, hubUrl });
const missing = await hub.fileExists({ repo, path: "nope.txt", accessToken, hubUrl });
console.log(
  JSON.stringify({
    created,
    commit: commit?.commit ?? null,
    listed,
    downloads,
    expected: {
      "small.txt": { size: small.length, sha256: sha256(small) },
      "data/big.bin": { size: big.length, sha256: sha256(big) },
    },
    info,
    exists,
    missing,
  }),
);
