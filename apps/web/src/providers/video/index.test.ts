import { describe, expect, it } from 'vitest';

import {
  LiveKitVideoProvider,
  UnknownVideoProviderError,
  VIDEO_PROVIDER_NAMES,
  createVideoProvider,
  isVideoProviderName,
} from './index';

describe('createVideoProvider', () => {
  it('creates the LiveKit provider for "livekit", with its options', () => {
    const provider = createVideoProvider('livekit', { tokenEndpoint: { baseUrl: 'https://video.example.edu' } });
    expect(provider).toBeInstanceOf(LiveKitVideoProvider);
    expect(provider.name).toBe('livekit');
    expect(provider.connectionState).toBe('disconnected');
  });

  it('lists the names it knows', () => {
    expect(VIDEO_PROVIDER_NAMES).toEqual(['livekit']);
    expect(isVideoProviderName('livekit')).toBe(true);
    expect(isVideoProviderName('toString')).toBe(false);
  });

  it.each(['zoom', 'LiveKit', '', 'constructor'])('refuses the unknown name %j with a typed error', (name) => {
    let caught: unknown;
    try {
      createVideoProvider(name);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnknownVideoProviderError);
    expect(caught).toMatchObject({ name: 'UnknownVideoProviderError', code: 'unknown_provider', providerName: name });
  });
});
