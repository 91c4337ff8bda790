/** The RPC contract of ValidatorContainer (binding `VALIDATOR`). */

/** What `zentinel validate` said about a config. */
export interface ContainerValidation {
  exitCode: number;
  output: string;
  zentinelVersion: string | null;
}

/** The RPC surface of ValidatorContainer. */
export interface ValidatorRpc extends Rpc.DurableObjectBranded {
  /** Validates `files` (relative path → content) with `entry` as the config file. */
  validate(entry: string, files: Record<string, string>): Promise<ContainerValidation>;
}
