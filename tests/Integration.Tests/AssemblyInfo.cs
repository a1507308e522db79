// Integration tests start real daemons that pace audio in real time, and one of them floods a
// daemon on purpose: run them one at a time so none measures another's load.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
