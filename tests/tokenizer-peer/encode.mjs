// Reference GPT-2 token ids for the C# tokenizer parity tests (BpeTokenizer vs js-tiktoken).
// Reads UTF-8 text from stdin, splits it into lines the way .NET's TextReader.ReadLine does
// (\r\n, \r or \n; no empty last line after a final newline) and prints one JSON array of
// js-tiktoken "gpt2" ids per line.
//   node encode.mjs                   special-token text such as <|endoftext|> is encoded as plain text
//   node encode.mjs --allow-special   <|endoftext|> becomes its special id, 50256
import { Tiktoken } from "js-tiktoken/lite";
import gpt2 from "js-tiktoken/ranks/gpt2";

const allowSpecial = process.argv.includes("--allow-special");
const enc = new Tiktoken(gpt2);

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const lines = text.split(/\r\n|\r|\n/);
if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();

const out = [];
for (const line of lines) {
  const ids = allowSpecial ? enc.encode(line, "all") : enc.encode(line, [], []);
  out.push(JSON.stringify(ids));
}
process.stdout.write(out.length > 0 ? out.join("\n") + "\n" : "");
