import { execFile } from 'node:child_process';

/**
 * The repository's file list as `git ls-files` prints it, or null when `dir` is not a git checkout.
 * Runs git with fixed arguments through execFile: no shell, nothing interpolated.
 */
export function gitLsFiles(dir: string): Promise<string[] | null> {
  return new Promise((resolve) => {
    execFile('git', ['-c', 'core.quotePath=off', 'ls-files', '-z', '--full-name'], { cwd: dir, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (err, stdout) => {
      if (err) resolve(null);
      else resolve(stdout.split('\0').filter((p) => p.length > 0));
    });
  });
}
