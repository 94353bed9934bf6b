// The config file's name, apart from its loader, so commands can name it without loading YAML and zod.
export const CONFIG_FILE = 'trunkflow.yml';
