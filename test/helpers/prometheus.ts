/** Parses Prometheus text exposition with an independent parser (parse-prometheus-text-format). */
import { createRequire } from 'node:module';

export interface PromFamily {
  name: string;
  help: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

const require = createRequire(import.meta.url);
const parse = require('parse-prometheus-text-format') as (text: string) => PromFamily[];

export function parsePrometheus(text: string): PromFamily[] {
  return parse(text);
}

/** The value of one series, or undefined when it is absent. */
export function sampleValue(families: PromFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.find((f) => f.name === name);
  const m = family?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v) && Object.keys(s.labels ?? {}).length === Object.keys(labels).length);
  return m ? Number(m.value) : undefined;
}
