// Each drill runs its own PostgreSQL cluster, api and gateway: one at a time keeps the 2-core machine responsive.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
