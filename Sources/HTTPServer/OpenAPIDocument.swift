/// `GET /openapi.json`: every route, written by hand (OpenAPI 3.1). `Routes.paths` and this document
/// are checked against each other by a test.
enum OpenAPIDocument {
    /// The embedding routes' document with the knowledge base's routes (KnowledgeOpenAPI.swift) added.
    static let json = base.replacingOccurrences(
        of: #""/openapi.json": {"#, with: knowledgePaths + #""/openapi.json": {"#)

    static let base = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Folio embedding server", "version": "0.1.0",
               "description": "OpenAI-, TEI- and Ollama-compatible text embeddings, and Cohere- and TEI-style reranking. With API keys configured, every route except /health needs 'Authorization: Bearer KEY'. Errors are OpenAI's {\"error\": {\"message\", \"type\", \"param\", \"code\"}} on /v1 and /v2 routes and the knowledge base, TEI's {\"error\", \"error_type\"} on TEI's routes, Ollama's {\"error\"} on /api routes."},
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
          "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
            "message": {"type": "string"}, "type": {"type": "string"},
            "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}},
          "Input": {"oneOf": [
            {"type": "string"}, {"type": "array", "items": {"type": "string"}},
            {"type": "array", "items": {"type": "integer"}},
            {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}]},
          "Texts": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
          "RerankRequest": {"type": "object", "required": ["query", "documents"], "properties": {
            "model": {"type": "string", "description": "A reranker's name; the first reranker when absent"},
            "query": {"type": "string"},
            "documents": {"type": "array", "maxItems": 1000, "items": {"oneOf": [{"type": "string"}, {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}]}},
            "top_n": {"type": "integer", "minimum": 1, "description": "Keep the N best"},
            "return_documents": {"type": "boolean", "default": false},
            "instruction": {"type": "string", "description": "Qwen3-Reranker's task (default: the web-search retrieval task)"},
            "raw_scores": {"type": "boolean", "default": false, "description": "The model's logit instead of its probability"},
            "truncate": {"type": "boolean", "default": true, "description": "false: a pair over the model's length is a 400"}}},
          "RerankResponse": {"type": "object", "properties": {
            "id": {"type": "string"}, "model": {"type": "string"},
            "results": {"type": "array", "items": {"type": "object", "properties": {
              "index": {"type": "integer"}, "relevance_score": {"type": "number"},
              "document": {"type": "object", "properties": {"text": {"type": "string"}}}}}},
            "usage": {"type": "object", "properties": {"prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}},
            "meta": {"type": "object", "properties": {"api_version": {"type": "object"}, "billed_units": {"type": "object"}}}}}
        },
        "responses": {
          "BadRequest": {"description": "Malformed JSON, an input over the context length (unless truncate), bad dimensions", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Unauthorized": {"description": "Missing or wrong API key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "NotFound": {"description": "Unknown model (a model of the other kind is a 400, code wrong_model_kind)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "TooLarge": {"description": "Body over the size limit", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Overloaded": {"description": "Queue full; retry after the Retry-After header's seconds", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      },
      "security": [{"bearer": []}],
      "paths": {
        "/v1/embeddings": {"post": {
          "summary": "OpenAI embeddings",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["input"], "properties": {
            "input": {"$ref": "#/components/schemas/Input"},
            "model": {"type": "string"},
            "dimensions": {"type": "integer", "description": "Keep the first N values and renormalise (Matryoshka)"},
            "encoding_format": {"enum": ["float", "base64"], "default": "float", "description": "base64: little-endian float32"},
            "user": {"type": "string"},
            "input_type": {"type": "string", "description": "query: the model's query prompt (Qwen3: the retrieval instruction; e5: query: ); document or passage: its document prompt (e5: passage: ); another of the model's named prompts (EmbeddingGemma: STS, Clustering; GET /info lists them); absent: the text as it is"},
            "instruction": {"type": "string", "description": "Task text for queries: 'Instruct: {task}\\nQuery:{text}'"},
            "truncate": {"type": "boolean", "default": false}}}}}},
          "responses": {
            "200": {"description": "Embeddings", "content": {"application/json": {"schema": {"type": "object", "properties": {
              "object": {"const": "list"},
              "data": {"type": "array", "items": {"type": "object", "properties": {
                "object": {"const": "embedding"}, "index": {"type": "integer"},
                "embedding": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string"}]}}}},
              "model": {"type": "string"},
              "usage": {"type": "object", "properties": {"prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/Overloaded"}}}},
        "/v1/models": {"get": {"summary": "OpenAI model list", "responses": {"200": {"description": "{object: list, data: [{id, object: model, created, owned_by}]}"}}}},
        "/v1/models/{id}": {"get": {"summary": "One model", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "{id, object: model, created, owned_by}"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/embed": {"post": {
          "summary": "Text Embeddings Inference embed",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["inputs"], "properties": {
            "inputs": {"$ref": "#/components/schemas/Input"},
            "truncation_direction": {"enum": ["right", "Right"], "default": "right"},
            "normalize": {"type": "boolean", "default": true, "description": "false returns the pooled vectors as the model computed them"},
            "truncate": {"type": "boolean", "default": false},
            "dimensions": {"type": "integer"},
            "prompt_name": {"type": "string", "description": "query, document, or another of the model's named prompts (GET /info lists them)"}}}}}},
          "responses": {"200": {"description": "One array of floats per input", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "413": {"$ref": "#/components/responses/TooLarge"}, "429": {"$ref": "#/components/responses/Overloaded"}}}},
        "/embed_all": {"post": {
          "summary": "Text Embeddings Inference embed_all: every token's final hidden state, unpooled and unnormalised",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["inputs"], "properties": {
            "inputs": {"$ref": "#/components/schemas/Input"},
            "truncation_direction": {"enum": ["right", "Right"], "default": "right"},
            "truncate": {"type": "boolean", "default": false},
            "prompt_name": {"type": "string", "description": "query, document, or another of the model's named prompts (GET /info lists them)"}}}}}},
          "responses": {"200": {"description": "Per input, per token, an array of floats (at most max_batch_tokens tokens a request)", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "413": {"$ref": "#/components/responses/TooLarge"}}}},
        "/tokenize": {"post": {
          "summary": "Text Embeddings Inference tokenize",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["inputs"], "properties": {
            "inputs": {"$ref": "#/components/schemas/Texts"},
            "add_special_tokens": {"type": "boolean", "default": true},
            "prompt_name": {"type": "string", "description": "query, document, or another of the model's named prompts (GET /info lists them)"}}}}}},
          "responses": {"200": {"description": "Per input, its tokens: [{id, text, special, start, stop}]; start and stop are UTF-8 byte offsets into the input (null for special tokens, and for tokenizers that rewrite the text: WordPiece, Unigram)"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
        "/info": {"get": {"summary": "Text Embeddings Inference model info", "responses": {"200": {"description": "{model_id, model_dtype, model_type, max_input_length, max_batch_tokens, dimension, version, ...}"}}}},
        "/api/embed": {"post": {
          "summary": "Ollama embed (truncate defaults to true, as in Ollama)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["input"], "properties": {
            "model": {"type": "string"}, "input": {"$ref": "#/components/schemas/Texts"},
            "truncate": {"type": "boolean", "default": true}, "dimensions": {"type": "integer"}}}}}},
          "responses": {"200": {"description": "{model, embeddings: [[float]], total_duration, load_duration, prompt_eval_count}"},
            "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/v1/rerank": {"post": {
          "summary": "Rerank (Cohere, Jina, vLLM and llama.cpp shape): documents scored against the query, best first",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RerankRequest"}}}},
          "responses": {"200": {"description": "Results best first", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RerankResponse"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/Overloaded"}}}},
        "/v2/rerank": {"post": {
          "summary": "Cohere v2 rerank (the cohere SDK's ClientV2.rerank); the same as /v1/rerank with meta.api_version 2",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RerankRequest"}}}},
          "responses": {"200": {"description": "Results best first", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RerankResponse"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"},
            "429": {"$ref": "#/components/responses/Overloaded"}}}},
        "/rerank": {"post": {
          "summary": "Text Embeddings Inference rerank, with the first reranker (truncate defaults to false, as in TEI)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["query", "texts"], "properties": {
            "query": {"type": "string"}, "texts": {"type": "array", "items": {"type": "string"}},
            "raw_scores": {"type": "boolean", "default": false}, "return_text": {"type": "boolean", "default": false},
            "truncate": {"type": "boolean", "default": false}, "truncation_direction": {"enum": ["right", "Right"], "default": "right"}}}}}},
          "responses": {"200": {"description": "Best first", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "properties": {
              "index": {"type": "integer"}, "score": {"type": "number"}, "text": {"type": "string"}}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "413": {"$ref": "#/components/responses/TooLarge"}, "429": {"$ref": "#/components/responses/Overloaded"}}}},
        "/embeddings": {"post": {"summary": "The same as /v1/embeddings (TEI serves OpenAI's route without the version prefix too)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["input"]}}}},
          "responses": {"200": {"description": "As /v1/embeddings"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
        "/invocations": {"post": {"summary": "TEI's SageMaker route: the same as POST /",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
          "responses": {"200": {"description": "As /embed"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
        "/decode": {"post": {"summary": "Text Embeddings Inference decode: token ids to text",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["ids"], "properties": {
            "ids": {"oneOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}]},
            "skip_special_tokens": {"type": "boolean", "default": true}}}}}},
          "responses": {"200": {"description": "One string per id sequence", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}}}},
        "/ping": {"get": {"summary": "TEI's health check (200, empty body)", "responses": {"200": {"description": "Healthy"}}}},
        "/api/embeddings": {"post": {"summary": "Ollama's older embeddings route: {model, prompt} -> {embedding} (not normalised, as in Ollama)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"model": {"type": "string"}, "prompt": {"type": "string"}}}}}},
          "responses": {"200": {"description": "{embedding: [float]}"}, "400": {"description": "{error: message}"}, "404": {"description": "{error: message}"}}}},
        "/api/tags": {"get": {"summary": "Ollama's model list: the embedding models as name:latest", "responses": {"200": {"description": "{models: [{name, model, modified_at, size, digest, details}]}"}}}},
        "/api/ps": {"get": {"summary": "Ollama's running models: the embedding models", "responses": {"200": {"description": "{models: [...]}"}}}},
        "/api/show": {"post": {"summary": "Ollama's model details", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"model": {"type": "string"}}}}}},
          "responses": {"200": {"description": "{modelfile, parameters, template, details, model_info, capabilities}"}, "404": {"description": "{error: message}"}}}},
        "/api/version": {"get": {"summary": "Ollama's version route: Folio's version", "responses": {"200": {"description": "{version}"}}}},
        "/health": {"get": {"summary": "200 once the server answers; needs no key", "security": [], "responses": {"200": {"description": "{status: ok}"}}}},
        "/metrics": {"get": {"summary": "Prometheus text: requests by route and status, latency histograms, tokens, batch sizes, queue depth", "responses": {"200": {"description": "text/plain; version=0.0.4"}}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}}
      }
    }
    """#
}
