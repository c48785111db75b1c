/**
 * The one printer: commands describe their human output as lines, a table or a raw value,
 * and this module renders it; `--json` output is rendered here too. Pure (returns text).
 */

export type Cell = string | number | boolean | null

export interface Column {
  key: string
  header: string
  align?: 'left' | 'right'
}

export type HumanOutput =
  | {kind: 'lines'; lines: readonly string[]}
  | {kind: 'table'; heading?: string; columns: readonly Column[]; rows: ReadonlyArray<Record<string, Cell>>}
  /** Written exactly as given, nothing added (e.g. `kvs get -o value`). */
  | {kind: 'raw'; text: string}

export const lines = (...text: string[]): HumanOutput => ({kind: 'lines', lines: text})

export function renderHuman(output: HumanOutput): string {
  switch (output.kind) {
    case 'raw':
      return output.text
    case 'lines':
      return output.lines.map((line) => `${line}\n`).join('')
    case 'table': {
      const heading = output.heading === undefined ? '' : `${output.heading}\n`
      return heading + renderTable(output.columns, output.rows)
    }
  }
}

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function renderTable(columns: readonly Column[], rows: ReadonlyArray<Record<string, Cell>>): string {
  const cells = [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => formatCell(row[c.key] ?? null)))]
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)))
  return cells
    .map((line) =>
      line
        .map((text, i) => (columns[i].align === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('')
}

export function formatCell(value: Cell): string {
  if (value === null) return '-'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  return String(value)
}

/** Exactly one JSON document, one line per value for humans who look at it anyway. */
export function renderJson(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`
}
