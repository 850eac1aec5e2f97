// The two server fixtures (dev and time-skipping) would otherwise start their processes at once; on a busy 2-core
// machine two cold starts together can miss the SDK's 5 s start-up deadline.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
