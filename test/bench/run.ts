// Entry of `npm run bench [-- --only requests,freshness,store,latency,webhooks,coldstart,memory,reviews]
// [-- --sizes S,M,L] [-- --out file.json]`. Powertools would print one EMF metrics line per webhook
// delivery (its CloudWatch channel in Lambda); it is switched off before any module creates the Metrics,
// so the table stays readable.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { runBench } = await import('./suite.js');
await runBench(process.argv.slice(2));
