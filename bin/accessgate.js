#!/usr/bin/env node
// The `accessgate` bin: runs the TypeScript entry through tsx's ESM loader, so `npx accessgate` works
// from a clone without a build step.
import { register } from 'tsx/esm/api';

register();
const { start } = await import('../cli/accessgate.ts');
await start();
