// Image inputs → OpenAI chat message image parts. The implementation lives in ./images/; this file keeps the
// short import path `model/images.js`.
export * from "./images/index.js";
