import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";
import type { ContainerValidation, ValidatorRpc } from "../src/rpc/validator";

/** The shim inside the container listens here (scripts/validator/shim.mjs). */
export const VALIDATOR_PORT = 8080;
/** How long to wait for a cold container to accept connections. */
const STARTUP_TIMEOUT_MS = 20_000;
const STARTUP_POLL_MS = 250;

/** Raised when the container cannot be reached; the compile job retries, never skips. */
export class ValidatorUnavailableError extends Error {}

/**
 * Runs the real `zentinel validate --skip-network --skip-agents --skip-certs` in a Cloudflare
 * Container (image built from scripts/validator/Dockerfile). Used when VALIDATOR_MODE is
 * "container". In local dev containers are disabled, `ctx.container` is undefined, and calls
 * fail with ValidatorUnavailableError.
 */
export class ValidatorContainer extends DurableObject<Env> implements ValidatorRpc {
  /** Validates `files` (relative path → content) with `entry` as the config file. */
  async validate(entry: string, files: Record<string, string>): Promise<ContainerValidation> {
    const container = this.ctx.container;
    if (!container) {
      throw new ValidatorUnavailableError("containers are not available in this environment");
    }
    if (!container.running) {
      container.start({ enableInternet: false });
    }
    const port = container.getTcpPort(VALIDATOR_PORT);
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      try {
        const res = await port.fetch("http://validator/validate", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ entry, files }),
        });
        if (!res.ok) {
          throw new ValidatorUnavailableError(`validator shim answered ${res.status}`);
        }
        return (await res.json()) as ContainerValidation;
      } catch (err) {
        if (err instanceof ValidatorUnavailableError || Date.now() > deadline) {
          throw err instanceof ValidatorUnavailableError
            ? err
            : new ValidatorUnavailableError(`validator container did not start: ${String(err)}`);
        }
        await new Promise((r) => setTimeout(r, STARTUP_POLL_MS));
      }
    }
  }
}
