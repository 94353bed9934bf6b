// The YAML parser, in its own module so the CLI loads it only when there is a trunkflow.yml to read.
export { parseDocument } from 'yaml';
