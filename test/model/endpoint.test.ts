import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { costOf, DEFAULT_BASE_URL, EndpointConfigError, resolveEndpoint } from "../../src/model/endpoint.js";

describe("resolveEndpoint", () => {
  it("follows the ecosystem defaults: OPENAI_BASE_URL and OPENAI_API_KEY", () => {
    const e = resolveEndpoint({ model: "gpt-4o" }, { OPENAI_BASE_URL: "http://127.0.0.1:8000/v1/", OPENAI_API_KEY: "sk-1" });
    assert.equal(e.baseURL, "http://127.0.0.1:8000/v1");
    assert.equal(e.apiKey, "sk-1");
    assert.equal(e.concurrency, 8);
    assert.equal(e.maxAttempts, 6);
    assert.equal(resolveEndpoint({ model: "m" }, { OPENAI_API_KEY: "k" }).baseURL, DEFAULT_BASE_URL);
  });

  it("reads the key from the named variable and never serialises it", () => {
    const e = resolveEndpoint({ model: "judge", apiKeyEnv: "JUDGE_KEY", baseURL: "https://judge.example/v1" }, { JUDGE_KEY: "sk-secret" });
    assert.equal(e.apiKey, "sk-secret");
    assert.equal(JSON.stringify(e).includes("sk-secret"), false);
    assert.equal(Object.keys(e).includes("apiKey"), false);
    assert.equal(JSON.parse(JSON.stringify(e)).apiKeyEnv, "JUDGE_KEY");
  });

  it("needs no key for local servers, but does for the OpenAI API", () => {
    assert.equal(resolveEndpoint({ model: "qwen", baseURL: "http://localhost:8000/v1" }, {}).apiKey, "not-needed");
    assert.throws(() => resolveEndpoint({ model: "gpt-4o" }, {}), (e: unknown) => e instanceof EndpointConfigError && /the API key variable OPENAI_API_KEY is not set/.test(e.message));
  });

  it("needs a key a user named, even for a local server, and says whether one is set", () => {
    assert.throws(
      () => resolveEndpoint({ model: "qwen", baseURL: "http://localhost:8000/v1", apiKeyEnv: "VLLM_KEY", keyRequired: true }, {}),
      (e: unknown) => e instanceof EndpointConfigError && /model "qwen" at http:\/\/localhost:8000\/v1: the API key variable VLLM_KEY is not set/.test(e.message),
    );
    assert.equal(resolveEndpoint({ model: "qwen", baseURL: "http://localhost:8000/v1", apiKeyEnv: "VLLM_KEY", keyRequired: true }, { VLLM_KEY: "k" }).hasKey, true);
    assert.equal(resolveEndpoint({ model: "qwen", baseURL: "http://localhost:8000/v1" }, {}).hasKey, false);
  });

  it("reports every bad field with its path", () => {
    assert.throws(
      () => resolveEndpoint({ model: "m", concurrency: 0, params: { temperature: 5 }, apiKeyEnv: "1BAD" } as never, { OPENAI_API_KEY: "k" }),
      (e: unknown) => e instanceof EndpointConfigError && /concurrency/.test(e.message) && /params\.temperature/.test(e.message) && /apiKeyEnv: must be an environment variable name/.test(e.message),
    );
    assert.throws(() => resolveEndpoint({ model: "m", params: { temprature: 0 } } as never, { OPENAI_API_KEY: "k" }), /temprature/);
  });

  it("prices usage per million tokens", () => {
    assert.equal(costOf({ input: 2.5, output: 10 }, 1_000_000, 100_000), 3.5);
    assert.equal(costOf(undefined, 1e6, 1e6), 0);
  });
});
