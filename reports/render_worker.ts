/**
 * The worker thread of `startRenderer` (render.ts): renders the Vega-Lite
 * specs it is sent to SVG, replying `{ id, svg }` or `{ id, error }`; posts
 * `{ ready: true }` once vega is loaded.
 *
 * @module
 */

import { renderSvg } from "./render.ts";

/** A request: the spec to render and its id. */
interface Request {
  id: number;
  spec: Record<string, unknown>;
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<Request>) => void) | null;
  postMessage(message: unknown): void;
}

// Only inside a worker: importing this module elsewhere (tests, docs) installs nothing.
if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as WorkerScope;
  scope.onmessage = async (e) => {
    const { id, spec } = e.data;
    try {
      scope.postMessage({ id, svg: await renderSvg(spec) });
    } catch (err) {
      scope.postMessage({ id, error: String(err) });
    }
  };
  scope.postMessage({ ready: true });
}
