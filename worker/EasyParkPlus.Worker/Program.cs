using EasyParkPlus.Activities.Hosting;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Data;
using EasyParkPlus.ServiceDefaults;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using Microsoft.Extensions.Hosting;

// The worker process: polls the task queue for the business workflows and runs their activities against PostgreSQL,
// Stripe and the ocpp-gateway. The api owns the schema (its start-up migrates); the worker only uses it.
var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddEasyParkData(builder.Configuration[$"{PostgresOptions.Section}:ConnectionString"] ?? "");
builder.AddStripe();
builder.AddEasyParkTemporalClient(EasyParkSearchAttributes.All);
builder.AddEasyParkWorker();

await builder.Build().RunAsync();
