// Builds model clients against a scripted server, with fast retry settings for tests.
import { ModelClient, type ModelClientOptions } from "../../src/model/client.js";
import { resolveEndpoint, type EndpointConfig } from "../../src/model/endpoint.js";
import { Ledger } from "../../src/model/ledger.js";
import type { ScriptedServer } from "./scripted-server.js";

export function testClient(server: ScriptedServer, config: Partial<EndpointConfig> = {}, options: Partial<ModelClientOptions> = {}): ModelClient {
  const endpoint = resolveEndpoint(
    { model: "test-model", baseURL: server.url, apiKeyEnv: "TEST_KEY", concurrency: 4, baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 2_000, ...config },
    { TEST_KEY: "sk-test-secret" },
  );
  return new ModelClient(endpoint, { ledger: options.ledger ?? new Ledger(":memory:"), ...options });
}

export const userText = (text: string) => ({ messages: [{ role: "user" as const, content: text }] });
