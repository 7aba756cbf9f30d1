/** A strict parser of the Prometheus text format (0.0.4), for tests: throws on any malformed line. */
export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedFamily {
  readonly type: string;
  readonly help: string;
  readonly samples: ParsedSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (match === null) throw new Error(`bad labels in: ${line}`);
    const [, name, raw] = match;
    labels[name!] = raw!.replace(/\\(.)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped));
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad value in: ${line}`);
  return value;
}

/** Families by name; a summary's `_sum` and `_count` samples are filed under the summary. */
export function parsePrometheus(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, ParsedFamily>();
  const helps = new Map<string, string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      const [name, ...help] = line.slice(7).split(' ');
      helps.set(name!, help.join(' '));
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!['counter', 'gauge', 'summary', 'histogram', 'untyped'].includes(type!))
        throw new Error(`bad type: ${line}`);
      if (families.has(name!)) throw new Error(`family declared twice: ${name}`);
      families.set(name!, { type: type!, help: helps.get(name!) ?? '', samples: [] });
      continue;
    }
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`bad line: ${JSON.stringify(line)}`);
    const [, name, labelText, valueText] = match;
    const family = families.get(name!) ?? families.get(name!.replace(/_(sum|count)$/, '')) ?? undefined;
    if (family === undefined) throw new Error(`sample before its # TYPE: ${line}`);
    family.samples.push({
      name: name!,
      labels: parseLabels(labelText ?? '', line),
      value: parseValue(valueText!, line),
    });
  }
  return families;
}

/** The value of the one sample of `family` named `name` whose labels include `labels`. */
export function valueOf(
  families: Map<string, ParsedFamily>,
  family: string,
  labels: Readonly<Record<string, string>>,
  name = family,
): number {
  const matches = (families.get(family)?.samples ?? []).filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (matches.length !== 1)
    throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]!.value;
}
