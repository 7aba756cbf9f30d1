/** The machine a benchmark ran on, as written under `machine` in `bench/results/latest.json`. */
export interface MachineDescription {
  /** CPU model string, e.g. `AMD EPYC 7B13`. */
  readonly cpuModel: string;
  /** Logical cores available. */
  readonly cores: number;
  /** Runtime version, e.g. `v20.19.0`. */
  readonly nodeVersion: string;
  /** Operating system, e.g. `linux`. */
  readonly platform: string;
  /** CPU architecture, e.g. `x64`. */
  readonly arch: string;
  /** Physical memory in bytes. */
  readonly totalMemoryBytes: number;
}
