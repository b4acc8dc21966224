/**
 * Memory of each Lambda function, in MB: AccessgateFunction sizes every function of the stack from here and
 * the cost model (infra/cost-model.ts) bills GB-seconds from here, so the two cannot disagree. Keys are the
 * functions' construct ids, which are also the names the local runtime invokes them by.
 */
export const DEFAULT_MEMORY_MB = 256;

export const FUNCTION_MEMORY_MB: Readonly<Record<string, number>> = {
  Execute: 512,
  Run: 512,
  Exporter: 512,
  AuditApi: 512,
  // Each export file is read whole before it is re-put with its checksums.
  TableExport: 1769,
};

export const memoryOf = (functionName: string): number => FUNCTION_MEMORY_MB[functionName] ?? DEFAULT_MEMORY_MB;
