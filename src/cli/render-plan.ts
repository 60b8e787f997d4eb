import { UserError } from '../errors.js';
import { renderJson } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import { renderText } from '../render/text.js';
import type { Plan } from '../types/index.js';
import { useColor } from './output.js';

export type PlanFormat = 'text' | 'markdown' | 'json';

export function parseFormat(value: string): PlanFormat {
  if (value === 'text' || value === 'markdown' || value === 'json') return value;
  throw new UserError(`--format ${value}: expected text, markdown or json`);
}

export function renderPlan(plan: Plan, format: PlanFormat): string {
  switch (format) {
    case 'json':
      return renderJson(plan);
    case 'markdown':
      return renderMarkdown(plan);
    case 'text':
      return renderText(plan, { color: useColor(process.stdout) });
  }
}
