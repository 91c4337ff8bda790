import type { NotificationEvent } from "../message";

/** One outbound HTTP request a channel adapter produced (always a JSON POST). */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Facts about the delivery an adapter may put into the request. */
export interface DeliveryContext {
  deliveryId: string;
  /** Milliseconds since the epoch (signature timestamps). */
  now: number;
}

/** Builds the request for one event; adapters are pure apart from WebCrypto. */
export type Adapter<C> = (
  config: C,
  event: NotificationEvent,
  ctx: DeliveryContext,
) => Promise<OutboundRequest>;

/** Headers every delivery carries. */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "application/json",
  "user-agent": "zentinel-control-plane",
};
