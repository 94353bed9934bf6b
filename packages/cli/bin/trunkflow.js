#!/usr/bin/env node
// Entry point: the bundled CLI lives in dist/bundle (built by `npm install` through the root `prepare` script).
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv);
