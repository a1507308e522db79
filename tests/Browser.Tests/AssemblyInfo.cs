// Each browser test starts real daemons and UI processes and drives one Chromium: one at a time,
// so no test's timings suffer from another's load on the two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
