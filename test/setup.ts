import '../infra/local/polyfills';
