// Ids from Hugging Face's tokenizers.js for a tokenizer.json, to check that the files we write
// load in HF's own implementation and encode like ours. Same line handling as encode.mjs.
//   node encode-hf.mjs path/to/tokenizer.json < lines.txt
// HF always recognises added (special) tokens in text, like our Encode(text, allowSpecial: true).
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const path = process.argv[2];
if (!path) {
  console.error("usage: node encode-hf.mjs path/to/tokenizer.json < lines.txt");
  process.exit(2);
}
const tokenizer = new Tokenizer(JSON.parse(readFileSync(path, "utf8")), {});

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const lines = text.split(/\r\n|\r|\n/);
if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();

const out = [];
for (const line of lines) {
  const { ids } = tokenizer.encode(line, { add_special_tokens: false });
  out.push(JSON.stringify(ids));
}
process.stdout.write(out.length > 0 ? out.join("\n") + "\n" : "");
