// The map page (being written).
export default {
  path: '/map',
  title: 'Map',
  nav: true,
  async render(ctx) {
    ctx.el.append(ctx.h('h1', null, 'Map'));
  },
};
