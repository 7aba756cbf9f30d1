/** Threads per work-group of the PageRank shaders (also the reduction width). */
export const PAGERANK_WORKGROUP_SIZE = 256;

/** Index in `totals` of the dangling-rank total, of the iteration counter, and of the first change. */
export const TOTAL_DANGLING = 0;
export const TOTAL_COUNTER = 1;
export const TOTAL_HISTORY = 2;

/**
 * PageRank on WebGPU in float32. `step` pulls each node's contributions along its CSR row with a
 * compensated (Neumaier) sum, so a hub's thousands of in-links cost about one rounding rather than
 * one per link, and writes its rank, its next contribution and per-work-group partials (dangling
 * rank, largest change); `reduce_step` folds the partials into `totals` (dangling total for the next
 * step, change appended to the history the host reads back). `initialize` computes contributions
 * from the ranks.
 */
export const PAGERANK_WGSL = /* wgsl */ `
struct Params {
  nodeCount: u32,
  partialCount: u32,
  damping: f32,
  teleport: f32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowOffsets: array<u32>;
@group(0) @binding(2) var<storage, read> sources: array<u32>;
@group(0) @binding(3) var<storage, read> inverseDegree: array<f32>;
@group(0) @binding(4) var<storage, read_write> rank: array<f32>;
@group(0) @binding(5) var<storage, read_write> current: array<f32>;
@group(0) @binding(6) var<storage, read_write> upcoming: array<f32>;
@group(0) @binding(7) var<storage, read_write> partials: array<f32>;
@group(0) @binding(8) var<storage, read_write> totals: array<f32>;

const WORKGROUP: u32 = ${PAGERANK_WORKGROUP_SIZE}u;
var<workgroup> sharedDangling: array<f32, ${PAGERANK_WORKGROUP_SIZE}>;
var<workgroup> sharedChange: array<f32, ${PAGERANK_WORKGROUP_SIZE}>;

fn reduce_workgroup(lid: u32) {
  workgroupBarrier();
  for (var stride = WORKGROUP / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      sharedDangling[lid] += sharedDangling[lid + stride];
      sharedChange[lid] = max(sharedChange[lid], sharedChange[lid + stride]);
    }
    workgroupBarrier();
  }
}

fn write_partials(lid: u32, group: u32) {
  reduce_workgroup(lid);
  if (lid == 0u) {
    partials[group * 2u] = sharedDangling[0];
    partials[group * 2u + 1u] = sharedChange[0];
  }
}

@compute @workgroup_size(${PAGERANK_WORKGROUP_SIZE})
fn initialize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
              @builtin(workgroup_id) wid: vec3<u32>) {
  let node = gid.x;
  var dangling = 0.0;
  if (node < params.nodeCount) {
    let share = inverseDegree[node];
    let value = rank[node];
    current[node] = value * share;
    if (share == 0.0) { dangling = value; }
  }
  sharedDangling[lid] = dangling;
  sharedChange[lid] = 0.0;
  write_partials(lid, wid.x);
}

@compute @workgroup_size(${PAGERANK_WORKGROUP_SIZE})
fn step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wid: vec3<u32>) {
  let node = gid.x;
  var dangling = 0.0;
  var change = 0.0;
  if (node < params.nodeCount) {
    let base = params.teleport + params.damping * totals[${TOTAL_DANGLING}] / f32(params.nodeCount);
    // Neumaier's compensated sum: a hub pulls thousands of float32 contributions, whose plain sum
    // drifts by about 1e-5 relative; the compensation collects each addition's rounding error.
    var sum = 0.0;
    var compensation = 0.0;
    let end = rowOffsets[node + 1u];
    for (var edge = rowOffsets[node]; edge < end; edge++) {
      let term = current[sources[edge]];
      let next = sum + term;
      if (abs(sum) >= abs(term)) {
        compensation += (sum - next) + term;
      } else {
        compensation += (term - next) + sum;
      }
      sum = next;
    }
    let value = base + params.damping * (sum + compensation);
    change = abs(value - rank[node]);
    rank[node] = value;
    let share = inverseDegree[node];
    upcoming[node] = value * share;
    if (share == 0.0) { dangling = value; }
  }
  sharedDangling[lid] = dangling;
  sharedChange[lid] = change;
  write_partials(lid, wid.x);
}

fn fold_partials(lid: u32) {
  var dangling = 0.0;
  var change = 0.0;
  for (var group = lid; group < params.partialCount; group += WORKGROUP) {
    dangling += partials[group * 2u];
    change = max(change, partials[group * 2u + 1u]);
  }
  sharedDangling[lid] = dangling;
  sharedChange[lid] = change;
  reduce_workgroup(lid);
}

@compute @workgroup_size(${PAGERANK_WORKGROUP_SIZE})
fn reduce_initial(@builtin(local_invocation_index) lid: u32) {
  fold_partials(lid);
  if (lid == 0u) { totals[${TOTAL_DANGLING}] = sharedDangling[0]; }
}

@compute @workgroup_size(${PAGERANK_WORKGROUP_SIZE})
fn reduce_step(@builtin(local_invocation_index) lid: u32) {
  fold_partials(lid);
  if (lid == 0u) {
    totals[${TOTAL_DANGLING}] = sharedDangling[0];
    let counter = u32(totals[${TOTAL_COUNTER}]);
    totals[${TOTAL_HISTORY}u + counter] = sharedChange[0];
    totals[${TOTAL_COUNTER}] = f32(counter + 1u);
  }
}
`;
