import { describe, expect, it } from 'vitest';
import { checkJava, JavaMissingError } from '../../../lib/local/embedded-dynamodb.js';

describe('checkJava', () => {
  it('finds the Java this machine has (17 or newer)', () => {
    expect(checkJava()).toBeGreaterThanOrEqual(17);
  });

  it('says Java is missing and how to install it', () => {
    const run = () => checkJava('java-that-is-not-installed');
    expect(run).toThrow(JavaMissingError);
    expect(run).toThrow(
      /needs Java 17 or newer, and `java` was not found on PATH\. Install it \(Debian\/Ubuntu: `apt-get install -y openjdk-17-jre-headless`/,
    );
  });
});
