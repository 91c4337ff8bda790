/** Hot per-node state of the node shards: merge of heartbeats, change detection, flush plan. */
export * from "./contract";
export * from "./flush-plan";
export * from "./state";
