/// The knowledge base's routes and the page in the OpenAPI document (docs/knowledge-api.md in prose).
extension OpenAPIDocument {
    static let knowledgePaths = #"""
        "/": {"get": {"summary": "The knowledge base's web page (no key needed; it asks for one)", "security": [], "responses": {"200": {"description": "text/html"}}},
          "post": {"summary": "TEI's POST /: /embed with the first embedder (/rerank when the server has rerankers only); GET / is the page",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
          "responses": {"200": {"description": "As /embed"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
        "/v1/kb/collections": {
          "get": {"summary": "List collections with their counts", "responses": {"200": {"description": "{data: [Collection]}"}}},
          "post": {"summary": "Create a collection bound to the served model",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {
              "name": {"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"},
              "dimensions": {"type": "integer"}, "vector_encoding": {"enum": ["f32", "f16"]},
              "max_chunk_tokens": {"type": "integer", "default": 512}, "overlap_tokens": {"type": "integer", "default": 64}, "document_vectors": {"type": "boolean", "default": true, "description": "compute a whole-document vector per document after its chunks (document-level vector search, near-duplicates)"}}}}}},
            "responses": {"201": {"description": "Collection"}, "400": {"$ref": "#/components/responses/BadRequest"}, "409": {"description": "Name taken"}}}},
        "/v1/kb/collections/{name}": {
          "get": {"summary": "One collection", "responses": {"200": {"description": "Collection"}, "404": {"description": "No such collection"}}},
          "delete": {"summary": "Delete a collection with its documents, vectors and jobs", "responses": {"204": {"description": "Deleted"}, "404": {"description": "No such collection"}}}},
        "/v1/kb/collections/{name}/documents": {
          "get": {"summary": "Documents, oldest first (offset, limit ≤ 1000)", "responses": {"200": {"description": "{data: [Document]}"}}},
          "post": {"summary": "Upload files (multipart/form-data: file parts, optional metadata JSON part) or raw text (JSON {text, title?, source?, metadata?}); each becomes an ingestion job",
            "responses": {"202": {"description": "{data: [Job]}"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"description": "No such collection"}, "409": {"description": "The collection belongs to another model"}, "413": {"$ref": "#/components/responses/TooLarge"}, "415": {"description": "Neither multipart nor JSON"}}}},
        "/v1/kb/collections/{name}/jobs": {"get": {"summary": "Ingestion jobs, newest first: state queued|extracting|embedding|done|failed, progress, error", "responses": {"200": {"description": "{data: [Job]}"}}}},
        "/v1/kb/jobs/{id}": {"get": {"summary": "One ingestion job", "responses": {"200": {"description": "Job"}, "404": {"description": "No such job"}}}},
        "/v1/kb/documents/{id}": {
          "get": {"summary": "One document", "responses": {"200": {"description": "Document"}, "404": {"description": "No such document"}}},
          "delete": {"summary": "Delete a document with its chunks and vectors", "responses": {"204": {"description": "Deleted"}, "404": {"description": "No such document"}}}},
        "/v1/kb/documents/{id}/chunks": {"get": {"summary": "A document's chunks in order: text, offsets (Unicode scalars), page, tokens", "responses": {"200": {"description": "{data: [Chunk]}"}}}},
        "/v1/kb/collections/{name}/search": {"post": {"summary": "Search by meaning, keywords or both (reciprocal rank fusion)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["query"], "properties": {
            "query": {"type": "string"}, "k": {"type": "integer", "default": 10},
            "mode": {"enum": ["hybrid", "vector", "keyword"], "default": "hybrid"}, "target": {"enum": ["chunks", "documents"], "default": "chunks"},
            "document_ids": {"type": "array", "items": {"type": "integer"}}, "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "vector_weight": {"type": "number", "default": 1}, "keyword_weight": {"type": "number", "default": 1},
            "rerank": {"type": "boolean", "default": false, "description": "Reorder the first stage's best candidates with the server's first reranker; 400 no_reranker without one"},
            "candidates": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50, "description": "How many first-stage results the reranker reads"}}}}}},
          "responses": {"200": {"description": "{object: search, mode, target, reranked, took_ms, pending_document_vectors (documents not yet ranked by meaning as a whole; target documents), query_truncated (only the query's start was searched for: past 16,384 characters, or past the model's context in tokens), data: [{rank, document_id, title, source, page, ordinal, start, end, text, highlights: [[start, end]], score, vector_score, keyword_score, rerank_score, first_stage_score, first_stage_rank}]}"},
            "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"description": "No such collection"}}}},
        "/v1/kb/collections/{name}/duplicates": {"get": {"summary": "Clusters of near-duplicate documents (document-vector cosine ≥ threshold, default 0.95)", "responses": {"200": {"description": "{threshold, pending_document_vectors (documents left out until their vector is computed), clusters: [{similarity, documents: [{id, title, source}]}]}"}}}},

    """#
}
