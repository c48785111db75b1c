#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources directly (no build); for development only.
import {main} from '../src/cli/main.ts'

await main({dir: import.meta.url, development: true})
