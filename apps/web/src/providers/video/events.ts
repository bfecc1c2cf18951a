import type { VideoProviderEventName, VideoProviderEvents, VideoProviderListener } from './types';

type AnyListener = (...args: unknown[]) => void;

/**
 * The listener registry behind `VideoProvider.on()`: typed by {@link VideoProviderEvents}, called
 * synchronously in subscription order, and an exception in one listener never reaches the
 * emitter or the other listeners (it is reported with `reportError` where available).
 */
export class VideoProviderEmitter {
  readonly #listeners = new Map<VideoProviderEventName, Set<AnyListener>>();

  on<E extends VideoProviderEventName>(event: E, listener: VideoProviderListener<E>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    // A wrapper, so the same function subscribed twice is called twice and unsubscribes once.
    const entry: AnyListener = (...args) => (listener as unknown as AnyListener)(...args);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit<E extends VideoProviderEventName>(event: E, ...args: VideoProviderEvents[E]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) {
      return;
    }
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        if (typeof globalThis.reportError === 'function') {
          globalThis.reportError(error);
        } else {
          console.error(error);
        }
      }
    }
  }
}
