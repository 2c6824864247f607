// Types of the `express4` devDependency (an npm alias of express@4): the same shape as
// Express 5's typings for everything these tests use.
declare module 'express4' {
  import express from 'express';
  export default express;
}
