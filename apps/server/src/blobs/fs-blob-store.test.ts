import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { blobStoreContract } from './blob-store.contract.js';
import { FsBlobStore } from './fs-blob-store.js';

blobStoreContract('filesystem', async () => new FsBlobStore(path.join(mkdtempSync(path.join(tmpdir(), 'cw-blobs-')), 'blobs')));
