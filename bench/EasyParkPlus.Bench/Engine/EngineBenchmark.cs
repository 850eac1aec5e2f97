namespace EasyParkPlus.Bench.Engine; internal static class EngineBenchmark { public static Task<int> RunAsync(string[] args) => Task.FromResult(args.Length); }
