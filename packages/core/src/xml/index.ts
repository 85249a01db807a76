export * from './xml-tokenizer.js';
