/** Writes a bench report as JSON and markdown, named after its start time and suite. */
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {renderMarkdown} from './markdown.js'
import type {BenchReport} from './report.js'

/** "2025-03-01T12:34:56.789Z", "all" -> "bench-2025-03-01T12-34-56Z-all": sortable, no colons. */
export function reportFileStem(startedAt: string, suite: string): string {
  return `bench-${startedAt.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-')}-${suite}`
}

/** Writes both files into `dir` (created if missing); returns the report with their paths. */
export async function writeReport(report: BenchReport, dir: string): Promise<BenchReport> {
  await mkdir(dir, {recursive: true})
  const stem = join(dir, reportFileStem(report.startedAt, report.options.suite))
  const written: BenchReport = {...report, files: {json: `${stem}.json`, markdown: `${stem}.md`}}
  await writeFile(`${stem}.json`, JSON.stringify(written, null, 2) + '\n')
  await writeFile(`${stem}.md`, renderMarkdown(written))
  return written
}
