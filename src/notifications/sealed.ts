/**
 * Secrets at rest for notifications and integrations: text sealed with the same scheme as
 * signing keys (HKDF from ZCP_MASTER_KEY → AES-256-GCM, see src/bundles/key-encryption.ts). The
 * context binds a sealed value to its record, so a value copied to another row does not open.
 */
import { utf8Decode, utf8Encode } from "../bundles/bytes";
import { decryptPrivateKey, encryptPrivateKey } from "../bundles/key-encryption";
import { type ChannelConfig, parseChannelConfig } from "./channel-config";

/** Seals UTF-8 text for the record named by `context`. */
export function sealText(masterKey: string, context: string, text: string): Promise<string> {
  return encryptPrivateKey(utf8Encode(text), masterKey, context);
}

/** Opens text sealed by {@link sealText}; throws KeyEncryptionError on tampering or a wrong key. */
export async function openText(
  masterKey: string,
  context: string,
  sealed: string,
): Promise<string> {
  return utf8Decode(await decryptPrivateKey(sealed, masterKey, context));
}

/** Encryption context of one channel's config. */
export function channelContext(channelId: string): string {
  return `zcp:channel:${channelId}`;
}

/** Encryption context of one named project secret (e.g. `github_webhook`). */
export function projectSecretContext(projectId: string, name: string): string {
  return `zcp:project-secret:${projectId}:${name}`;
}

/** Seals a channel's configuration for `notification_channels.config_enc`. */
export function sealChannelConfig(
  masterKey: string,
  channelId: string,
  config: ChannelConfig,
): Promise<string> {
  return sealText(masterKey, channelContext(channelId), JSON.stringify(config));
}

/** Opens and parses `notification_channels.config_enc`. */
export async function openChannelConfig(
  masterKey: string,
  channelId: string,
  sealed: string,
): Promise<ChannelConfig> {
  return parseChannelConfig(await openText(masterKey, channelContext(channelId), sealed));
}
