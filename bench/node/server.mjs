// The peer: @neo4j/graphql 7 on @apollo/server, over the same Neo4j and data as kimnet.
// Type definitions mirror kimnet's for the entities the benchmark's views read
// (labels, relationship types and directions as kimnet stores them).
// Usage: node server.mjs PORT BOLT_URI PASSWORD
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";
import { readFileSync } from "node:fs";

const [port, uri, password] = process.argv.slice(2);
const typeDefs = readFileSync(new URL("./typedefs.graphql", import.meta.url), "utf8");
const driver = neo4j.driver(uri, neo4j.auth.basic("neo4j", password));
const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
if (process.env.PRINT_SCHEMA) {
  const { printSchema } = await import("graphql");
  console.log(printSchema(schema));
  process.exit(0);
}
const server = new ApolloServer({ schema });
const { url } = await startStandaloneServer(server, { listen: { port: Number(port), host: "127.0.0.1" } });
console.error(`peer: @neo4j/graphql on @apollo/server at ${url}`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await server.stop();
    await driver.close();
    process.exit(0);
  });
}
