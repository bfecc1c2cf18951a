import '@livekit/components-styles';
import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { createVideoProvider } from './providers/video';
import { App, readInitialForm } from './session/App';

const root = document.getElementById('root');
if (root === null) {
  throw new Error('index.html has no #root element');
}

// The page is served by the token server, so the token endpoint is on the same origin ('').
// VITE_TOKEN_ENDPOINT_BASE_URL points a build at another origin; VITE_VIDEO_PROVIDER picks the
// provider: `livekit` (the default), `daily`, `twilio` or `google-meet` (which shows the meeting's
// link, to open in a new tab).
const provider = createVideoProvider(import.meta.env.VITE_VIDEO_PROVIDER ?? 'livekit', {
  tokenEndpoint: { baseUrl: import.meta.env.VITE_TOKEN_ENDPOINT_BASE_URL ?? '' },
});

createRoot(root).render(
  <StrictMode>
    <App provider={provider} initial={readInitialForm(window.location.search)} />
  </StrictMode>,
);
