import { describe, expect, it } from 'vitest';

import {
  DailyVideoProvider,
  GoogleMeetVideoProvider,
  LiveKitVideoProvider,
  TwilioVideoProvider,
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

  it.each([
    ['daily', DailyVideoProvider],
    ['twilio', TwilioVideoProvider],
    ['google-meet', GoogleMeetVideoProvider],
  ] as const)('creates the %s provider, disconnected', (name, type) => {
    const provider = createVideoProvider(name, { tokenEndpoint: { baseUrl: 'https://video.example.edu' } });
    expect(provider).toBeInstanceOf(type);
    expect(provider.name).toBe(name);
    expect(provider.connectionState).toBe('disconnected');
    expect(provider.participants).toEqual([]);
  });

  it('lists the names it knows', () => {
    expect(VIDEO_PROVIDER_NAMES).toEqual(['livekit', 'daily', 'twilio', 'google-meet']);
    expect(isVideoProviderName('livekit')).toBe(true);
    expect(isVideoProviderName('daily')).toBe(true);
    expect(isVideoProviderName('twilio')).toBe(true);
    expect(isVideoProviderName('google-meet')).toBe(true);
    expect(isVideoProviderName('toString')).toBe(false);
  });

  it.each(['zoom', 'LiveKit', '', 'constructor', 'google_meet', 'meet'])('refuses the unknown name %j with a typed error', (name) => {
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
