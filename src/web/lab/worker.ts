/** The lab's module Web Worker: runs one section's computation per request, so the page stays responsive. */
import { computeSection } from './compute.ts';
import type { LabRequest, LabResponse } from './protocol.ts';

const scope = self as unknown as { onmessage: ((e: MessageEvent<LabRequest>) => void) | null; postMessage(m: LabResponse): void };
scope.onmessage = (e) => {
  const { id, section, params } = e.data;
  const t0 = performance.now();
  try {
    const result = computeSection(section, params);
    scope.postMessage({ id, section, ok: true, result, ms: performance.now() - t0 });
  } catch (err) {
    scope.postMessage({ id, section, ok: false, error: (err as Error).message });
  }
};
