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
               "description": "OpenAI-, TEI- and Ollama-compatible text embeddings. With API keys configured, every route except /health needs 'Authorization: Bearer KEY'. Errors are {\"error\": {\"message\", \"type\", \"param\", \"code\"}}."},
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
          "Texts": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        },
        "responses": {
          "BadRequest": {"description": "Malformed JSON, an input over the context length (unless truncate), bad dimensions", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Unauthorized": {"description": "Missing or wrong API key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "NotFound": {"description": "Unknown model", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
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
            "input_type": {"enum": ["query", "document"], "description": "query applies the default retrieval instruction"},
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
            "inputs": {"$ref": "#/components/schemas/Texts"},
            "normalize": {"type": "boolean", "default": true, "description": "false is refused: vectors are always unit length"},
            "truncate": {"type": "boolean", "default": false},
            "dimensions": {"type": "integer"},
            "prompt_name": {"enum": ["query", "document"]}}}}}},
          "responses": {"200": {"description": "One array of floats per input", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "413": {"$ref": "#/components/responses/TooLarge"}, "429": {"$ref": "#/components/responses/Overloaded"}}}},
        "/tokenize": {"post": {
          "summary": "Text Embeddings Inference tokenize",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["inputs"], "properties": {
            "inputs": {"$ref": "#/components/schemas/Texts"},
            "add_special_tokens": {"type": "boolean", "default": true},
            "prompt_name": {"enum": ["query", "document"]}}}}}},
          "responses": {"200": {"description": "Per input, its tokens: [{id, text, special, start: null, stop: null}]"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
        "/info": {"get": {"summary": "Text Embeddings Inference model info", "responses": {"200": {"description": "{model_id, model_dtype, model_type, max_input_length, max_batch_tokens, dimension, version, ...}"}}}},
        "/api/embed": {"post": {
          "summary": "Ollama embed (truncate defaults to true, as in Ollama)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["input"], "properties": {
            "model": {"type": "string"}, "input": {"$ref": "#/components/schemas/Texts"},
            "truncate": {"type": "boolean", "default": true}, "dimensions": {"type": "integer"}}}}}},
          "responses": {"200": {"description": "{model, embeddings: [[float]], total_duration, load_duration, prompt_eval_count}"},
            "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/health": {"get": {"summary": "200 once the server answers; needs no key", "security": [], "responses": {"200": {"description": "{status: ok}"}}}},
        "/metrics": {"get": {"summary": "Prometheus text: requests by route and status, latency histograms, tokens, batch sizes, queue depth", "responses": {"200": {"description": "text/plain; version=0.0.4"}}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}}
      }
    }
    """#
}
