// A small reader for flat YAML mappings (`key: value  # comment`), resolving scalars as PyYAML does (YAML 1.1),
// which is what LLaMA-Factory reads its training files with: a float needs a decimal point (PyYAML reads `1e-5`
// as a string), `true`/`false` are booleans, and double-quoted values are JSON-like strings.
export type YamlValue = string | number | boolean | null;

const INT = /^[-+]?(0|[1-9][0-9_]*)$/;
const FLOAT = /^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$/;
const BOOL = /^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const NULL = /^(~|null|Null|NULL|)$/;

function scalar(text: string): YamlValue {
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return /^(yes|true|on)$/i.test(text);
  if (INT.test(text)) return Number(text.replaceAll("_", ""));
  if (FLOAT.test(text) && text !== ".") return Number(text.replaceAll("_", ""));
  return text;
}

/** Reads `key: value` lines; comments and blank lines are skipped; anything else (nesting, lists) is refused. */
export function parseFlatYaml(text: string): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = {};
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trimEnd();
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*): (.*)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not a flat "key: value" line: ${line}`);
    let value = m[2]!;
    if (value.startsWith('"')) {
      const end = /^"(?:[^"\\]|\\.)*"/.exec(value);
      if (!end) throw new Error(`line ${i + 1}: unterminated string`);
      const rest = value.slice(end[0].length).trim();
      if (rest !== "" && !rest.startsWith("#")) throw new Error(`line ${i + 1}: text after a quoted value`);
      value = end[0];
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    if (m[1]! in out) throw new Error(`line ${i + 1}: duplicate key ${m[1]}`);
    out[m[1]!] = scalar(value);
  }
  return out;
}
