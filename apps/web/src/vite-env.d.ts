/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The token server's origin when it is not the page's own; default '' (same origin). */
  readonly VITE_TOKEN_ENDPOINT_BASE_URL?: string;
  /** The video provider's name; default `livekit`. */
  readonly VITE_VIDEO_PROVIDER?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
